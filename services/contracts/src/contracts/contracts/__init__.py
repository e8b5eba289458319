"""Contracts: the contract itself (models, schemas, service, repository, router) and its
sub-domains: ``rules/`` (pure), ``published/`` (what other services read), ``signing/`` (review
and signature) and ``documents/`` (HTML and PDF). ``routes.py`` puts every route in order."""
