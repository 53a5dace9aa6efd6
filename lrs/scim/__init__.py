"""SCIM 2.0 (RFC 7643, RFC 7644) as pure rules: schemas, filters, PATCH, resources.

No Flask and no database here, like :mod:`lrs.xapi`: the store compiles the
filters this package parses, the services apply the PATCH operations it reads,
and :mod:`lrs.http.scim` speaks HTTP.
"""
