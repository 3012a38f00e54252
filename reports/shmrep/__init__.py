"""shmconform report tools: read results (Kyua or JSON), apply expectations,
write TAP, JUnit, HTML, the conformance matrix, explanations and summaries.

Standard library only; Python >= 3.9."""
