"""Comparing the served and the retrained model on the test set before loading the new one."""

from __future__ import annotations

from console.model_update import Evaluation, ModelUpdate, changes


def test_accuracy_and_what_changed() -> None:
    before = Evaluation(
        {
            "flux capacitor broke": ("complaint", "nlu_fallback"),
            "where is my order": ("order_status", "order_status"),
            "hi": ("greet", "greet"),
            "bye": ("goodbye", "goodbye"),
        }
    )
    after = Evaluation(
        {
            "flux capacitor broke": ("complaint", "complaint"),
            "where is my order": ("order_status", "order_status"),
            "hi": ("greet", "thank_you"),
            "bye": ("goodbye", "goodbye"),
        }
    )
    assert before.accuracy == 0.75 and after.accuracy == 0.75
    found = changes(before, after)
    # A label that breaks another example is listed first: it must not go unseen.
    assert [(c.text, c.before, c.after, c.fixed) for c in found] == [
        ("hi", "greet", "thank_you", False),
        ("flux capacitor broke", "nlu_fallback", "complaint", True),
    ]


def test_only_annotators_and_admins_retrain(client) -> None:
    agent = client("agent")
    assert agent.http.get("/review/model").status_code == 403
    assert agent.post("/review/model/retrain").status_code == 403
    annotator = client("annotator")
    assert "Retrain and compare" in annotator.http.get("/review/model").text
    refused = annotator.post("/review/model/load", csrf_from="/review/model")
    assert refused.status_code == 400 and "Retrain and compare first" in refused.text


def test_a_worse_retrained_model_is_pointed_out(client, console_app, tmp_path) -> None:
    before = Evaluation({"hi": ("greet", "greet"), "bye": ("goodbye", "goodbye")})
    after = Evaluation({"hi": ("greet", "thank_you"), "bye": ("goodbye", "goodbye")})
    console_app.state.console.updates._current = ModelUpdate(
        status="ready",
        served=tmp_path / "served.tar.gz",
        trained=tmp_path / "retrained.tar.gz",
        before=before,
        after=after,
        changed=changes(before, after),
    )
    page = client("annotator").http.get("/review/model").text
    assert 'data-accuracy="before">100.0%' in page and 'data-accuracy="after">50.0%' in page
    warning = " ".join(page.split('data-warning="worse">')[1].split("</p>")[0].split())
    assert "gets fewer test examples right, and 1 that the bot understands now" in warning
    assert "Load the retrained model into the bot" in page
