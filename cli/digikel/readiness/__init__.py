"""Per-site readiness: pure logic over inventory facts, manual marks and verify checks."""
