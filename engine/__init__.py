"""replycrew's engine: drafts replies to sales prospects. Knows nothing of Slack."""

import os

# Before crewai is ever imported: without these, every process exit waits ~10 s on telemetry
# and a terminal run can block on a tracing prompt.
for _name, _value in {
    "CREWAI_DISABLE_TELEMETRY": "true",
    "OTEL_SDK_DISABLED": "true",
    "CREWAI_TRACING_ENABLED": "false",
    "CREWAI_DISABLE_VERSION_CHECK": "true",
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "TOKENIZERS_PARALLELISM": "false",
}.items():
    os.environ.setdefault(_name, _value)
