"""One Powertools Router per function: the function's app.py includes it; the OpenAPI function includes all."""
