"""A report as one self-contained HTML file: inline CSS, images as data: URIs, and the
provenance both as a table and as JSON (``<script type="application/json"
id="convscope-provenance">``) that ``verify-report`` reads back."""

from __future__ import annotations

import base64
import json
from html import escape

PROVENANCE_ID = "convscope-provenance"
FOCUS_CLASSES = 30  # as the Evaluate page: larger matrices show their busiest classes

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#212529;
margin:2rem auto;max-width:60rem;padding:0 1rem;line-height:1.45}
h1{font-size:1.5rem;margin:0 0 .25rem}
h2{font-size:1.15rem;margin:1.6rem 0 .5rem;border-bottom:1px solid #dee2e6}
.muted{color:#5c636a}.num{font-family:ui-monospace,Menlo,Consolas,monospace}
table{border-collapse:collapse;margin:.5rem 0}
td,th{border:1px solid #dee2e6;padding:.2rem .5rem;text-align:left}
td.n{text-align:right;font-family:ui-monospace,Menlo,Consolas,monospace}
.pair{display:flex;gap:1.5rem;flex-wrap:wrap}.pair figure{margin:0;text-align:center}
figure img{image-rendering:pixelated;border:1px solid #dee2e6;max-width:18rem}
.warn{background:#fff3cd;border:1px solid #ffe69c;padding:.5rem .75rem;border-radius:.375rem}
.ok{background:#d1e7dd;border:1px solid #a3cfbb;padding:.5rem .75rem;border-radius:.375rem}
.badge{display:inline-block;padding:.05rem .45rem;border-radius:.3rem;font-size:.8rem;color:#fff}
.pass{background:#146c43}.fail{background:#b02a37}.unchecked,.none{background:#6c757d}
.card{border:1px solid #dee2e6;border-radius:.375rem;padding:.5rem .75rem;background:#f8f9fa}
.explanation{display:flex;gap:1rem;align-items:flex-start;margin:.75rem 0;page-break-inside:avoid}
.prov td{font-size:.8rem;word-break:break-all}
@media print{body{margin:0 auto}}
"""

VERDICT_WORDS = {"pass": "pass", "fail": "fail", "unchecked": "could not be checked"}


def _img(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode()
    return f'<img src="data:image/png;base64,{data}" alt="{escape(alt)}">'


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


def _verdict(value: str | None) -> str:
    if not value:
        return '<span class="badge none">not run</span>'
    return f'<span class="badge {escape(value)}">{escape(VERDICT_WORDS.get(value, value))}</span>'


def _card(card: dict) -> str:
    trained = card.get("trained_on")
    parts = [f"<p><strong>{escape(card['sentence'])}</strong></p>"]
    if trained:
        parts.append(
            f"<p>Trained on <strong>{escape(trained['title'])}</strong> "
            f"({trained['images']:,} {escape(trained['image_kind'] or 'images')}). "
            f"{escape(trained.get('description') or '')}</p>"
        )
    if card.get("training_data"):
        parts.append(f"<p>{escape(card['training_data'])}</p>")
    accuracy = card.get("test_accuracy")
    parts.append(
        "<p>"
        + (
            f"On its test pictures it was right {_pct(accuracy)} of the time."
            if accuracy is not None
            else "Its accuracy has not been measured."
        )
        + f" It sees {escape(card.get('input_kind') or '')}.</p>"
    )
    classes = card.get("classes") or []
    shown = ", ".join(escape(c) for c in classes[:60])
    more = f", and {len(classes) - 60:,} more" if len(classes) > 60 else ""
    parts.append(f'<p class="muted">Its classes: {shown}{more}.</p>')
    return '<div class="card">' + "".join(parts) + "</div>"


def _ood(ood: dict | None) -> str:
    if not ood or ood.get("flagged") is None:
        return (
            '<p class="muted">Whether this picture is like the network\'s training pictures '
            "could not be checked.</p>"
        )
    if ood["flagged"]:
        return (
            '<p class="warn"><strong>This picture is unlike the pictures this network learned '
            "from.</strong> Its answer is probably meaningless. (Score "
            f'<span class="num">{ood["score"]:.3g}</span> above the limit '
            f'<span class="num">{ood["threshold"]:.3g}</span> that 95% of its test pictures '
            "stay under.)</p>"
        )
    return (
        '<p class="ok">This picture looks like the pictures the network learned from (score '
        f'<span class="num">{ood["score"]:.3g}</span>, limit '
        f'<span class="num">{ood["threshold"]:.3g}</span>).</p>'
    )


def _analysis(content: dict) -> str:
    out = ['<h2>The image</h2><div class="pair">']
    out.append(f"<figure>{_img(content['image_png'], 'The analysed image')}"
               "<figcaption>the image</figcaption></figure>")  # fmt: skip
    out.append(f"<figure>{_img(content['seen_png'], 'The image as the network saw it')}"
               "<figcaption>what the network saw</figcaption></figure></div>")  # fmt: skip
    out.append("<h2>The answer</h2>")
    out.append(_ood(content["ood"]))
    top = content["top"]
    calibrated = top and top[0]["calibrated"] is not None
    out.append(
        f"<p>The network's answer is <strong>{escape(top[0]['label'])}</strong> "
        f"({_pct(top[0]['calibrated'] if calibrated else top[0]['probability'])}).</p>"
    )
    if content.get("true_label"):
        same = content["true_label"] == top[0]["label"]
        out.append(
            f"<p>The true label is <strong>{escape(content['true_label'])}</strong>: "
            f"{'it is right' if same else 'it is wrong'}.</p>"
        )
    confidence = content.get("confidence")
    if (
        confidence
        and confidence.get("right_in_tests") is not None
        and not (content["ood"] or {}).get("flagged")
    ):
        out.append(
            f"<p>In tests, when this network said about {_pct(confidence['confidence'])}, it was "
            f"right {_pct(confidence['right_in_tests'])} of the time.</p>"
        )
    out.append("<table><tr><th>class</th><th>calibrated</th><th>raw softmax</th></tr>")
    for row in top:
        out.append(
            f"<tr><td>{escape(row['label'])}</td><td class=n>{_pct(row['calibrated'])}</td>"
            f"<td class=n>{_pct(row['probability'])}</td></tr>"
        )
    out.append("</table>")
    out.append("<h2>What this network knows</h2>" + _card(content["card"]))
    out.append("<h2>Where the evidence is</h2>")
    if not content["explanations"]:
        out.append('<p class="muted">No attribution map was computed for this image.</p>')
    for e in content["explanations"]:
        layer = f" at {escape(e['layer'])}" if e.get("layer") else ""
        label = (
            content["card"]["classes"][e["target"]]
            if e["target"] < len(content["card"]["classes"])
            else e["target"]
        )
        out.append(
            '<div class="explanation">'
            + _img(e["overlay_png"], f"{e['method']} map")
            + f"<div><strong>{escape(e['method'])}</strong>{layer}, evidence for "
            f"“{escape(str(label))}”.<br>{escape(e['reading'])}<br>"
            f"Trust checks: randomisation {_verdict(e['randomisation'])} · faithfulness "
            f"{_verdict(e['faithfulness'])}"
            + "".join(f'<br><span class="muted">{escape(r)}</span>' for r in e["trust_reasons"])
            + "</div></div>"
        )
    if content["explanations"]:
        out.append(
            '<p class="muted">A map that passes its trust checks shows what the model used, not '
            "that the model is right.</p>"
        )
    return "".join(out)


def _focus(confusion: list[list[int]], labels: list[str]) -> tuple[list[int], bool]:
    k = len(confusion)
    if k <= FOCUS_CLASSES:
        return list(range(k)), False
    weight = [
        sum(row) + sum(confusion[j][i] for j in range(k) if j != i)
        for i, row in enumerate(confusion)
    ]
    busiest = sorted((i for i in range(k) if weight[i]), key=lambda i: (-weight[i], i))[
        :FOCUS_CLASSES
    ]
    return sorted(busiest), True


def _evaluation(content: dict) -> str:
    s = content["summary"]
    labels = s.get("labels") or []
    out = [
        "<h2>Accuracy</h2>",
        f"<p><strong class=num>{_pct(s.get('accuracy'))}</strong>: right on "
        f"{round((s.get('accuracy') or 0) * (s.get('count') or 0)):,} of "
        f"{s.get('count', 0):,} test images.</p>",
    ]
    if s.get("unlabelled"):
        out.append(
            f"<p class=muted>{s['unlabelled']:,} more images show none of its classes and "
            "are left out.</p>"
        )
    keep, focused = _focus(s.get("confusion") or [], labels)
    out.append(
        "<h2>Per class</h2><table><tr><th>class</th><th>precision</th><th>recall</th>"
        "<th>images</th></tr>"
    )
    for i in keep:
        out.append(
            f"<tr><td>{escape(labels[i])}</td><td class=n>{_pct(s['precision'][i])}</td>"
            f"<td class=n>{_pct(s['recall'][i])}</td><td class=n>{s['support'][i]:,}</td></tr>"
        )
    out.append("</table><h2>Confusion matrix</h2>")
    if focused:
        out.append(
            f"<p class=muted>The {len(keep)} classes with the most test images or answers, "
            f"of {len(labels):,}.</p>"
        )
    out.append(
        "<table><tr><th>true ↓ / answer →</th>"
        + "".join(f"<th>{escape(labels[j])}</th>" for j in keep)
        + "</tr>"
    )
    for i in keep:
        cells = "".join(f"<td class=n>{s['confusion'][i][j]:,}</td>" for j in keep)
        out.append(f"<tr><th>{escape(labels[i])}</th>{cells}</tr>")
    out.append("</table>")
    calibration = content.get("calibration")
    if calibration and calibration.get("temperature"):
        out.append(
            "<h2>Can you believe its percentages?</h2>"
            f"<p>Temperature {calibration['temperature']:.3f}; expected calibration error "
            f"{_pct(calibration['before']['ece'])} raw → "
            f"{_pct(calibration['after']['ece'])} calibrated "
            f"(on {calibration['images']:,} test images).</p>"
            "<table><tr><th>it said</th><th>images</th><th>right (raw)</th>"
            "<th>right (calibrated)</th></tr>"
        )
        for before, after in zip(
            calibration["before"]["bins"], calibration["after"]["bins"], strict=True
        ):
            out.append(
                f"<tr><td>{before['low'] * 100:.0f}–{before['high'] * 100:.0f}%</td>"
                f"<td class=n>{before['count']:,} / {after['count']:,}</td>"
                f"<td class=n>{_pct(before.get('accuracy'))}</td>"
                f"<td class=n>{_pct(after.get('accuracy'))}</td></tr>"
            )
        out.append("</table>")
    out.append("<h2>What this network knows</h2>" + _card(content["card"]))
    return "".join(out)


def _provenance(provenance: dict) -> str:
    network = provenance["network"]
    rows = [
        ("network", f"{network['name']} v{network['version']}"),
        ("weights sha256", network["weights_sha256"]),
    ]
    if provenance.get("dataset"):
        rows.append(("dataset", provenance["dataset"]["name"]))
        rows.append(("dataset manifest sha256", provenance["dataset"]["manifest_sha256"]))
    if provenance.get("image"):
        rows.append(("image sha256", provenance["image"]["sha256"]))
    for e in provenance.get("explanations", []):
        asked = {"target": e["target"], "layer": e["layer"], "params": e["params"]}
        rows.append((f"method {e['method']}", json.dumps(asked, sort_keys=True)))
    for key in (
        "convscope_revision",
        "tensorflow",
        "keras",
        "numpy",
        "python",
        "host",
        "created_at",
    ):
        rows.append((key.replace("_", " "), str(provenance.get(key))))
    table = "".join(f"<tr><th>{escape(k)}</th><td class=num>{escape(v)}</td></tr>" for k, v in rows)
    data = json.dumps(provenance, sort_keys=True).replace("</", "<\\/")
    return (
        "<h2>Provenance</h2><p class=muted>What is needed to recompute these numbers "
        "(<code>manage.py verify-report</code> reads this file).</p>"
        f'<table class="prov">{table}</table>'
        f'<script type="application/json" id="{PROVENANCE_ID}">{data}</script>'
    )


def render_html(content: dict) -> str:
    body = _analysis(content) if content["kind"] == "analysis" else _evaluation(content)
    who = f" · prepared by {escape(content['display_name'])}" if content.get("display_name") else ""
    created = escape(content["provenance"]["created_at"])
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>{escape(content['title'])}</title><style>{CSS}</style></head><body>"
        f"<h1>{escape(content['title'])}</h1><p class=muted>ConvScope report · {created}{who}</p>"
        f"{body}{_provenance(content['provenance'])}</body></html>"
    )


def read_provenance(html: str) -> dict:
    """The provenance JSON of a report's HTML (ValueError when there is none)."""
    marker = f'<script type="application/json" id="{PROVENANCE_ID}">'
    start = html.find(marker)
    if start < 0:
        raise ValueError("This file is not a ConvScope report: it has no provenance block.")
    start += len(marker)
    end = html.find("</script>", start)
    return json.loads(html[start:end].replace("<\\/", "</"))
