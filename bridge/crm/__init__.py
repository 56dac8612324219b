"""The CRM records, in Propovoice's format, on top of the WordPress layer."""
