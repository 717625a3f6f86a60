"""Helpers the tests share: projects to work on, built sites to look at, a server and a browser."""
