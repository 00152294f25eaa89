"""One router per resource: analyses, their results, the account, health."""
