"""crewai's environment switches, set before crewai is first imported.

Every crew module imports this module before any `crewai` import: without these, every process
exit waits ~10 s on telemetry and a terminal run can block on a tracing prompt. `setdefault`
keeps whatever the operator set.
"""

from __future__ import annotations

import os

__all__ = ["CREWAI_ENV"]

CREWAI_ENV = {
    "CREWAI_DISABLE_TELEMETRY": "true",
    "OTEL_SDK_DISABLED": "true",
    "CREWAI_TRACING_ENABLED": "false",
    "CREWAI_DISABLE_VERSION_CHECK": "true",
}
for _name, _value in CREWAI_ENV.items():
    os.environ.setdefault(_name, _value)
