"""The analyst's report: charts of the marts from the read-only snapshot, as one offline HTML page + PNGs."""

from dramatrack.report.build import STEPS, ReportResult, build_report
from dramatrack.report.data import ReportError

__all__ = ["STEPS", "ReportError", "ReportResult", "build_report"]
