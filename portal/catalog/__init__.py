"""Departments (organizations), themes (groups), datasets, resources, tags, licences, activity."""
