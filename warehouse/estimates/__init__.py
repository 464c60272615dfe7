"""Rank → downloads / revenue estimation (Garg & Telang 2013 power law, calibrated on store data).

``fit``: pure numpy fitting functions. ``run``: the estimation step of a marts build (reads core, fits,
writes core.estimate_params and core.app_estimates). ``simulate``: a seeded synthetic market with known
curves, for tests. The method: docs/methodology.md.
"""
