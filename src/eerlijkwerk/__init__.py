"""eerlijkwerk: rules-as-code audits of Dutch labour-migration law."""

__version__ = "0.1.0"
