"""HTTP: the Powertools REST resolver, request/response schemas, error answers, pages."""

from ent_accounts.web import resolver_package

resolver_package.install()  # before any module of web/ imports Powertools' event handler (see resolver_package)
