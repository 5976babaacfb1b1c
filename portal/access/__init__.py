"""Conditional opening: applications for the data of conditionally open datasets, and grants."""
