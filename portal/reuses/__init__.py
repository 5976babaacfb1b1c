"""Reuses (showcases, as in uData and ckanext-showcase): applications, visualisations, articles
and APIs built on the portal's datasets, submitted by signed-in users, featured by sysadmins
or the departments whose data they use, reported by anyone and moderated by sysadmins."""
