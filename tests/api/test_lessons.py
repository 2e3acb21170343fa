def test_lessons_are_listed_in_lecture_order(client):
    lessons = client.get("/api/v1/lessons").json()
    assert lessons[0]["id"] == "xor-linear" and {"id", "title", "slide", "summary"} <= set(lessons[0])


def test_lesson_has_panels_and_checked_facts(client):
    lesson = client.get("/api/v1/lessons/xor-relu").json()
    assert lesson["panels"] and lesson["text"]
    facts = {fact["id"]: fact for fact in lesson["facts"]}
    assert facts["predictions"]["value"] == [0, 1, 1, 0] and facts["predictions"]["passed"]


def test_cost_saturation_facts(client):
    facts = client.get("/api/v1/lessons/cost-saturation").json()["facts"]
    assert facts and all(fact["passed"] for fact in facts if "passed" in fact)


def test_unknown_lesson_is_404_naming_the_choices(client):
    response = client.get("/api/v1/lessons/nope")
    assert response.status_code == 404 and "xor-relu" in response.json()["detail"]


def test_sixteen_concurrent_first_loads_all_answer_200(tmp_path, monkeypatch):
    """Facts not computed yet and one CPU slot: every lesson still loads (a request waits for the slot, and
    each lesson's facts are computed once however many ask)."""
    from concurrent.futures import ThreadPoolExecutor

    import backprop_playground.app
    import backprop_playground.nets.lessons as lessons
    from tests.api.conftest import app_client

    lessons.start_warming().join(timeout=120)  # a warm-up begun by an earlier app must not interfere
    computed: list[str] = []
    compute = lessons._compute
    monkeypatch.setattr(lessons, "_CACHE", {})
    monkeypatch.setattr(lessons, "_compute", lambda lesson: computed.append(lesson["id"]) or compute(lesson))
    monkeypatch.setattr(backprop_playground.app, "start_warming", lambda: None)
    with app_client(tmp_path, max_cpu_jobs=1) as client:
        ids = [lesson["id"] for lesson in client.get("/api/v1/lessons").json()] * 2
        with ThreadPoolExecutor(len(ids)) as pool:
            answers = list(pool.map(lambda i: client.get(f"/api/v1/lessons/{i}"), ids))
    assert [a.status_code for a in answers] == [200] * len(ids), [a.text for a in answers if not a.is_success]
    assert sorted(computed) == sorted(set(ids))


def test_the_server_computes_every_lessons_facts_at_startup(client):
    import backprop_playground.nets.lessons as lessons

    lessons.start_warming().join(timeout=120)
    assert all(lessons.cached_lesson(lesson["id"]) is not None for lesson in lessons.list_lessons())


def test_facts_name_their_record_keys_in_words(client):
    facts = {f["id"]: f for f in client.get("/api/v1/lessons/output-units").json()["facts"]}
    assert facts["nll"]["fields"]["mdn_nll"] == "NLL of the mixture density net"
    curves = {f["id"]: f for f in client.get("/api/v1/lessons/depth-vs-width").json()["facts"]}["curves"]
    assert curves["fields"]["train_loss"] == "train loss" and curves["fields"]["panel"] is None
    assert "fields" not in facts["nll_gap"]  # a plain value has no keys
