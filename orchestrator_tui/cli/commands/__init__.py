"""One module per `orch` command (or family of commands), named after it; each is thin:
it reads options, builds a Request or a query, and hands the result to a view in `cli/`."""
