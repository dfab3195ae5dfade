"""Reports that can be filed (issue 22): one self-contained HTML file (images inlined) and a PDF
of it, for an analysis (with its explanations and trust checks) or an evaluation, each with a
provenance block from which ``manage.py verify-report`` recomputes the numbers."""


def build(
    kind: str,
    obj,
    *,
    fmt: str = "html",
    display_name: str | None = None,
    explanations: bool = True,
) -> bytes:
    """The report of an analysis or an evaluation (DatasetView) as HTML or PDF bytes."""
    from backend.reports.content import analysis_report, evaluation_report
    from backend.reports.html import render_html
    from backend.reports.pdf import html_to_pdf

    if kind == "analysis":
        content = analysis_report(obj, display_name=display_name, explanations=explanations)
    else:
        content = evaluation_report(obj, display_name=display_name)
    html = render_html(content)
    return html_to_pdf(html) if fmt == "pdf" else html.encode("utf-8")
