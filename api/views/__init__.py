"""The Management API's views: thin, each calls a service or a selector."""
