"""What the actions read from a Chinese learner's words where the NLU gives only the intent: quiz commands, the
course in “我学完了…” and “帮我报名…”, the target of a path, a role and goal; and the payloads of the tutor's own
Chinese buttons, which set course titles in 《》."""
import pytest

from actions.parsing import COMPLETED, ENROL, course_named, parse_profile, path_target, quiz_command, quiz_topic
from messages import say

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("text, command", [
    ("提示", "hint"), ("给个提示吧", "hint"), ("给个提示", "hint"), ("跳过。", "skip"), ("下一题", "skip"),
    ("我不知道", "skip"), ("暂停测验", "stop"), ("停止！", "stop"), ("SQL 连接", None),
])
def test_quiz_commands(text, command):
    assert quiz_command(text, "", 0.0) == command


def test_the_tutors_own_buttons_are_read_back():
    title = "Information Security Basics"
    assert quiz_topic(say("say.quiz_on", "zh", topic=title)) == title
    assert path_target(say("say.path", "zh", title=title)) == title
    assert course_named(say("say.enrol", "zh", title=title), ENROL) == title
    assert quiz_command(say("say.hint", "zh"), "", 0.0) == "hint" and quiz_command(say("say.skip", "zh"), "", 0.0) == "skip"


@pytest.mark.parametrize("text, course", [
    ("我学完了《SQL for Analysts》", "SQL for Analysts"),
    ("我学完了SQL for Analysts这门课", "SQL for Analysts"),
    ("I finished SQL for Analysts", "SQL for Analysts"),
])
def test_completed_course(text, course):
    assert course_named(text, COMPLETED) == course


def test_enrolment_path_and_profile():
    assert course_named("帮我报名信息安全基础课程", ENROL) == "信息安全基础"
    assert path_target("帮我规划学习高级SQL的路径") == "高级SQL"
    assert path_target("我想成为数据分析师，该怎么学？") == "数据分析师"
    assert parse_profile("我是数据分析师，目标是成为团队负责人") == {"role": "数据分析师", "goals": "团队负责人"}
    assert parse_profile("我是一名销售经理，在财务部门，想晋升为团队负责人") == {
        "role": "销售经理", "goals": "团队负责人", "group_name": "财务"}
    assert parse_profile("I'm a data analyst aiming for team lead") == {"role": "data analyst", "goals": "team lead"}
