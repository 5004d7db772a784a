"""HTTP: the Powertools REST resolver, request/response schemas, error answers, pages."""
