"""The LLM backends: one single-agent CrewAI crew per step, its LLM client and prompts."""
