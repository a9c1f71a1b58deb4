"""digikel: roll out and track the standard IT package of Samarinda's kelurahan offices."""

__version__ = "0.1.0"
