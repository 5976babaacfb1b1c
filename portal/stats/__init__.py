"""Usage statistics: daily download counts of resources, and the reports built on them
(package_popular, package_download_stats)."""
