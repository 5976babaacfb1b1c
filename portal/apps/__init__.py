"""Developers' applications, their API keys, the API's rate limits and API call counts."""
