"""Roll sites out through their stages (stages.py, engine.py); the CLI's `digikel rollout`."""
