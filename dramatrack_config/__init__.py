"""Configuration every layer reads: the settings object and the tracked-app catalog model.

It imports no other DramaTrack package, so transforms, extractors, expectations and the warehouse may use it
without importing the pipeline (``dramatrack``) above them (the layers: docs/architecture.md).
"""
