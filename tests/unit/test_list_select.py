"""ListSelect writes a long shared option list once and marks the chosen option per response: the very HTML
WTForms' own select writes, the choice escaped, for whichever option is chosen (or none)."""
from __future__ import annotations

import pytest
from flask import Flask
from wtforms import Form, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import Select

from marketplace.core.forms import ListSelect

CHOICES = [SelectChoice("", "Choose a country"), SelectChoice("CN", "China"), SelectChoice("CI", "Côte d’Ivoire"),
           SelectChoice("XX", 'Odd <"name"> & co')]


class Plain(Form):
    country = SelectField("Country", choices=CHOICES, validate_choice=False, widget=Select())


class Listed(Form):
    country = SelectField("Country", choices=CHOICES, validate_choice=False, widget=ListSelect())


@pytest.mark.parametrize("chosen", [None, "", "CN", "XX", "ZZ"])
def test_the_same_html_as_wtforms_select_for_every_choice(chosen):
    with Flask(__name__).test_request_context():
        plain, listed = Plain(data={"country": chosen}), Listed(data={"country": chosen})
        assert str(listed.country(class_="wide")) == str(plain.country(class_="wide"))
        html = str(listed.country())
    assert html.count(" selected ") == (1 if chosen in ("", "CN", "XX") else 0)
    assert "&lt;&#34;name&#34;&gt; &amp; co" in html and '<"name">' not in html


def test_pairs_are_written_like_select_choices():
    class Pairs(Form):
        country = SelectField("Country", choices=[(c.value, c.label) for c in CHOICES], widget=ListSelect())

    with Flask(__name__).test_request_context():
        assert str(Pairs(data={"country": "CI"}).country()) == str(Plain(data={"country": "CI"}).country())


def test_choices_of_another_shape_are_rendered_by_wtforms():
    class Grouped(Form):
        country = SelectField("Country", choices=[SelectChoice("KE", "Kenya", optgroup="Africa"),
                                                  SelectChoice("CN", "China", {"lang": "zh"}, "Asia")],
                              widget=ListSelect())

    with Flask(__name__).test_request_context():
        html = str(Grouped(data={"country": "CN"}).country())
    assert '<optgroup label="Africa">' in html and '<option lang="zh" selected value="CN">China</option>' in html
