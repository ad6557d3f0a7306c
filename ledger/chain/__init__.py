"""Chain access: compile, run a local chain, deploy and send transactions."""
