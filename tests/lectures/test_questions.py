"""Questions on a lecture: who may ask and vote, once per person, staff moderation, the rate limit, escaping,
and the board's order, through the service and through the page's plain forms."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from campaigns.lectures import questions, seats
from campaigns.lectures.models import LectureQuestion, QuestionStatus, QuestionVote
from marketplace.accounts.models import Role
from marketplace.core import clock
from marketplace.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from marketplace.extensions import db
from tests.lectures.conftest import START

BEFORE = START - timedelta(days=1)


@pytest.fixture
def registered(make_lecture, make_user):
    """A lecture and three registered people."""
    lecture = make_lecture()
    people = [make_user() for _ in range(3)]
    with clock.freeze(BEFORE):
        for person in people:
            seats.register(lecture.id, person, "en")
    return lecture, people


def test_registrants_ask_and_others_upvote_once(registered):
    lecture, (asker, voter, other) = registered
    with clock.freeze(BEFORE):
        question = questions.ask(lecture, asker, "  How do we price in yuan?  ", "en")
        assert question.body == "How do we price in yuan?"
        questions.upvote(lecture, question.id, voter)
        with pytest.raises(Conflict, match="already voted"):
            questions.upvote(lecture, question.id, voter)
        with pytest.raises(Conflict, match="your own question"):
            questions.upvote(lecture, question.id, asker)
        questions.upvote(lecture, question.id, other)
        questions.withdraw_vote(lecture, question.id, other)
        with pytest.raises(Conflict):
            questions.withdraw_vote(lecture, question.id, other)
    line = questions.board(lecture, voter)[0]
    assert (line.votes, line.voted, line.mine) == (1, True, False)
    assert questions.board(lecture, asker)[0].mine


def test_only_registrants_ask_before_and_during_the_lecture(registered, make_user):
    lecture, (asker, _voter, _other) = registered
    stranger = make_user()
    with clock.freeze(BEFORE), pytest.raises(PermissionDenied):
        questions.ask(lecture, stranger, "Can I join?", "en")
    with clock.freeze(START + timedelta(minutes=30)):  # during the lecture
        asked = questions.ask(lecture, asker, "Is the recording shared?", "en")
        with pytest.raises(PermissionDenied):
            questions.upvote(lecture, asked.id, stranger)
    with clock.freeze(lecture.ends_at + timedelta(minutes=1)), pytest.raises(Conflict, match="closed"):
        questions.ask(lecture, asker, "One more thing", "en")
    assert db.session.scalar(select(func.count(LectureQuestion.id))) == 1


@pytest.mark.parametrize("body, reason", [("", "Write your question"), ("   ", "Write your question"),
                                          ("x" * 501, "at most 500"), ("Bad\u202echaracters", "control")])
def test_a_bad_question_is_refused_and_nothing_is_saved(registered, body, reason):
    lecture, (asker, _voter, _other) = registered
    with clock.freeze(BEFORE), pytest.raises(ValidationError, match=reason):
        questions.ask(lecture, asker, body, "en")
    assert db.session.scalar(select(func.count(LectureQuestion.id))) == 0


def test_asking_is_rate_limited_and_repeats_refused(registered):
    lecture, (asker, _voter, _other) = registered
    with clock.freeze(BEFORE):
        questions.ask(lecture, asker, "First question", "en")
        with pytest.raises(Conflict, match="a moment ago"):
            questions.ask(lecture, asker, "Second question", "en")
    with clock.freeze(BEFORE + timedelta(seconds=questions.SECONDS_BETWEEN)), \
            pytest.raises(ValidationError, match="already asked"):
        questions.ask(lecture, asker, "First question", "en")
    for number in range(1, questions.MAX_PER_PERSON):
        with clock.freeze(BEFORE + timedelta(minutes=number)):
            questions.ask(lecture, asker, f"Question number {number}", "en")
    with clock.freeze(BEFORE + timedelta(hours=2)), pytest.raises(Conflict, match="the most one person"):
        questions.ask(lecture, asker, "One too many", "en")
    assert db.session.scalar(select(func.count(LectureQuestion.id))) == questions.MAX_PER_PERSON


def test_staff_hide_and_mark_answered_and_the_board_orders_by_votes(registered, staff):
    lecture, (first, second, third) = registered
    with clock.freeze(BEFORE):
        low = questions.ask(lecture, first, "Low question", "en")
        top = questions.ask(lecture, second, "Top question", "en")
        rude = questions.ask(lecture, third, "Rude question", "en")
        questions.upvote(lecture, top.id, first)
        questions.upvote(lecture, top.id, third)
        questions.upvote(lecture, rude.id, first)
        questions.moderate(staff, lecture, rude.id, "hide")
        with pytest.raises(PermissionDenied):
            questions.moderate(first, lecture, low.id, "hide")
        with pytest.raises(ValidationError):
            questions.moderate(staff, lecture, low.id, "delete")
        with pytest.raises(NotFound):  # hidden: nobody but staff can reach it
            questions.upvote(lecture, rude.id, second)
    assert [line.question.body for line in questions.board(lecture, first)] == ["Top question", "Low question"]
    assert [line.question.body for line in questions.board(lecture, staff)] == [
        "Top question", "Rude question", "Low question"]
    with clock.freeze(BEFORE):
        questions.moderate(staff, lecture, top.id, "answered")
    assert [line.question.body for line in questions.board(lecture, None)] == ["Low question", "Top question"]
    assert db.session.get(LectureQuestion, rude.id).status == QuestionStatus.HIDDEN


def test_a_question_of_another_lecture_is_not_found(registered, make_lecture):
    lecture, (asker, voter, _other) = registered
    elsewhere = make_lecture()
    with clock.freeze(BEFORE):
        question = questions.ask(lecture, asker, "Where is the deck?", "en")
        with pytest.raises(NotFound):
            questions.upvote(elsewhere, question.id, voter)


def test_simultaneous_votes_of_one_person_count_once(app, registered):
    lecture, (asker, voter, _other) = registered
    with clock.freeze(BEFORE):
        question = questions.ask(lecture, asker, "Race me", "en")
    lecture_id, question_id, voter_id = lecture.id, question.id, voter.id
    db.session.remove()
    outcomes: list[str] = []
    barrier = threading.Barrier(6)

    def vote() -> None:
        from campaigns.lectures.models import Lecture
        from marketplace.accounts.models import User

        with app.app_context(), clock.freeze(BEFORE):
            found, person = db.session.get(Lecture, lecture_id), db.session.get(User, voter_id)
            barrier.wait()
            try:
                questions.upvote(found, question_id, person)
                outcomes.append("counted")
            except Conflict:
                outcomes.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=vote) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("counted") == 1 and outcomes.count("refused") == 5
    assert db.session.scalar(select(func.count(QuestionVote.id))) == 1


def test_the_page_asks_votes_and_escapes_without_javascript(client, login, registered, staff):
    lecture, (asker, voter, _other) = registered
    with clock.freeze(BEFORE):
        login(asker)
        answer = client.post(f"/en/lectures/{lecture.id}/questions/",
                             data={"body": "<script>alert(1)</script> Shipping?"})
        assert answer.status_code == 302 and answer.headers["Location"].endswith("#questions")
        page = client.get(f"/en/lectures/{lecture.id}").text
        assert "&lt;script&gt;alert(1)&lt;/script&gt; Shipping?" in page and "<script>alert(1)" not in page
        question = db.session.scalar(select(LectureQuestion))
        refused = client.post(f"/en/lectures/{lecture.id}/questions/", data={"body": "y" * 600})
        assert refused.status_code == 422 and "at most 500 characters" in refused.text
        assert "y" * 600 in refused.text  # the question is kept for the asker to shorten
        login(voter)
        client.post(f"/en/lectures/{lecture.id}/questions/{question.id}/vote")
        assert "1 vote" in client.get(f"/en/lectures/{lecture.id}").text
        again = client.post(f"/en/lectures/{lecture.id}/questions/{question.id}/vote", follow_redirects=True)
        assert "already voted" in again.text
        login(staff)
        client.post(f"/en/lectures/{lecture.id}/questions/{question.id}/moderate", data={"action": "hide"})
        assert "Show again" in client.get(f"/en/lectures/{lecture.id}").text
        login(voter)
        assert "Shipping?" not in client.get(f"/en/lectures/{lecture.id}").text
        assert client.post(f"/en/lectures/{lecture.id}/questions/{question.id}/moderate",
                           data={"action": "show"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(LectureQuestion, question.id).status == QuestionStatus.HIDDEN


def test_visitors_without_a_place_are_told_how_to_take_part(client, login, make_lecture, make_user):
    lecture = make_lecture()
    with clock.freeze(BEFORE):
        assert "Registered people can ask" in client.get(f"/en/lectures/{lecture.id}").text
        anonymous = client.post(f"/en/lectures/{lecture.id}/questions/", data={"body": "Hello?"})
        assert "/account/login" in anonymous.headers["Location"]
        login(make_user(role=Role.SHOPPER))
        refused = client.post(f"/en/lectures/{lecture.id}/questions/", data={"body": "Hello?"})
        assert refused.status_code == 422 and "Register for the lecture" in refused.text
    assert db.session.scalar(select(func.count(LectureQuestion.id))) == 0
