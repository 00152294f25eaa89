"""The URLs of an analysis and its parts, shared by API responses and webhook events."""

from __future__ import annotations

RESULT_LINKS = {
    "result": "result",
    "windows": "windows",
    "events": "events",
    "turns": "turns",
    "frames_csv": "frames.csv",
    "report_html": "report.html",
}


def analysis_links(analysis_id: str, base: str = "", annotated: bool = False) -> dict[str, str]:
    """Links of one analysis.

    Args:
        analysis_id: the analysis.
        base: prefix (scheme and host) for absolute links; empty for relative ones.
        annotated: include the annotated video's link.
    """
    own = f"{base}/v1/analyses/{analysis_id}"
    links = {"self": own, "cancel": f"{own}/cancel"}
    links.update({name: f"{own}/{path}" for name, path in RESULT_LINKS.items()})
    if annotated:
        links["annotated_video"] = f"{own}/annotated.mp4"
    return links
