"""Use cases: the one service layer behind the web, the API and the CLI."""
