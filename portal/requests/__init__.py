"""Data requests: citizens ask for data not yet published, others support the request, and the
responsible department answers (planned, published with a link, or refused with a reason)."""
