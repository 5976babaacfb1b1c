"""Feedback on datasets (comments, questions, error reports, their replies and moderation) and
follows of datasets and departments (mail and Atom feeds of their new versions)."""
