"""svclint: static architecture review of Python microservices."""
__version__ = "0.1.0"
