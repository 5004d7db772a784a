"""One module per use case. Each takes the services (store, mailer, clock, settings) and plain values,
and knows nothing about HTTP or Lambda."""
