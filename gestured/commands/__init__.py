"""One module per `gestured` subcommand, each with `configure(parser)` and `main(args) -> int`."""
