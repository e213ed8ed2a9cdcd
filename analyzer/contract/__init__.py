"""Contracts against the code: bind each service to what it declares, infer what it would declare,
diff the two, and write inferred contracts back without clobbering what people wrote by hand.

Pure functions over facts and the `Architecture`; the CLI prints, the CON rules turn drift into findings.
"""
