"""Backprop Playground: an autograd engine that records backpropagation, and the server that shows it."""

__version__ = "0.1.0"
