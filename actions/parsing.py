"""Reading the learner's words where the NLU gives an intent but not its details: the topic of a quiz, a quiz
command, a role and goal, the target of a path, the course named in "I finished …". English and Chinese phrasings;
in Chinese a course title set in 《》 is taken as it stands (the tutor's own buttons send titles that way)."""
from __future__ import annotations

import re

from messages import LANGUAGES, say
from messages.questions import looks_like_question as reads_as_question
from messages.questions import signals

_QUIZ_PREFIX = re.compile(
    r"^\s*(please\s+)?((can|could|would|will)\s+you\s+|i\s*(want|would\s+like|'d\s+like)\s+(you\s+)?(to\s+)?|let'?s\s+|"
    r"(give|send)\s+me\s+)?(do\s+|take\s+|have\s+)?(a\s+(quick\s+|short\s+)?)?"
    r"(quiz|test|check|examine|assess)(zes)?\s*(me|my knowledge|my understanding)?\s*(again\s*)?(on|about|in|for|with|of)?\s*",
    re.IGNORECASE)
_GENERIC_TOPIC = re.compile(r"^(a (quick )?(quiz|test)|quiz|test|me|something|anything|this|that|it)?[\s.!?]*$", re.IGNORECASE)
COMMANDS = {
    "hint": {"hint", "a hint", "hint please", "give me a hint", "clue", "help me", "i need a hint"},
    "skip": {"skip", "skip it", "skip this", "skip this one", "next", "pass", "next question", "i don't know", "dont know", "no idea"},
    "stop": {"stop", "stop quiz", "stop the quiz", "pause", "pause quiz", "quit", "quit quiz", "end quiz", "exit", "enough", "stop for now", "later"},
}
ZH_COMMANDS = {
    "hint": {"提示", "提示一下", "给个提示", "给我提示", "给我一个提示", "来个提示", "有提示吗", "我需要提示"},
    "skip": {"跳过", "跳过这题", "跳过这道题", "下一题", "下一道", "换一题", "不知道", "我不知道", "不清楚"},
    "stop": {"停止", "停", "暂停", "停止测验", "暂停测验", "结束测验", "退出", "退出测验", "不做了", "先到这里", "以后再说"},
}
COMMANDS = {command: phrases | ZH_COMMANDS[command] for command, phrases in COMMANDS.items()}
_COMMAND_PUNCTUATION = " .!?。！？，,~～吧呢啊呀"
COMMAND_INTENTS = {"quiz_hint": "hint", "quiz_skip": "skip", "quiz_stop": "stop"}
_OPTION_ONLY = re.compile(r"\s*\(?[1-8a-hA-H]\)?\.?\s*")

_ROLE = re.compile(r"\b(?:i'?m|i am|i work as|my role is|working as)\s+(?:an?\s+|the\s+)?(?!in\b|on\b|part\b|at\b)(?P<role>[a-z][a-z /&-]{2,40}?)"
                   r"(?=\s+(?:aiming|who|and|looking|trying|wanting|hoping|with|in|at|on)\b|[,.!]|$)", re.IGNORECASE)
_GOAL = re.compile(r"\b(?:aiming (?:for|to)|want to (?:become|be|learn|get)|wanting to (?:become|be)|hoping to (?:become|be)|"
                   r"trying to (?:become|be)|my goal is(?: to)?|goal:|to become)\s+(?:an?\s+|the\s+)?(?P<goal>[^.,!?]{2,80})", re.IGNORECASE)
_GROUP = re.compile(r"\b(?:in|on|part of) the (?P<group>[a-z][a-z &-]{2,30}?) (?:team|group|department)\b", re.IGNORECASE)
_PATH_PATTERNS = [
    re.compile(r"\b(?:path|route|roadmap|way)\s+(?:to|for|towards?|into)\s+(?P<t>.+)$", re.IGNORECASE),
    re.compile(r"\bplan\s+(?:for\s+|to\s+)?(?:me\s+)?(?P<t>.+)$", re.IGNORECASE),
    re.compile(r"\b(?:become|get to|reach|work towards?|learn|take)\s+(?P<t>.+)$", re.IGNORECASE),
]
_TRAILING = re.compile(r"\s*(?:[—–:;,-]|\bwhere\b|\bhow\b|\bwhat\b).*$", re.IGNORECASE)
ENROL = re.compile(r"\b(?:enrol|enroll|sign|register|add)\s+(?:me\s+)?(?:up\s+)?(?:in|for|on|to)?\s*(?:the\s+)?(?P<course>[^.!?]+?)(?:\s+course)?[.!?]*$", re.IGNORECASE)
COMPLETED = re.compile(r"\b(?:finished|completed|done with|passed|took)\s+(?:the\s+)?(?P<course>[^.!?]+?)(?:\s+course)?[.!?]*$", re.IGNORECASE)

# Chinese phrasings.
_MARKED_TITLE = re.compile(r"《(?P<title>[^》]+)》")
_ZH_END = r"[\s。！？!?，,~～吧呢呀啊]*$"
_ZH_ASK = r"^(?:请|麻烦你?|我想|我要|想|能不能|可以|可不可以)?(?:你)?(?:再)?(?:给我)?"
_ZH_QUIZ = [
    re.compile(_ZH_ASK + r"(?:考考我|考我|测测我|测试我|测验我|出题考我)(?:一下)?(?:关于|有关)?(?P<t>.*?)(?:方面)?的?(?:知识|内容|题目?|问题)?" + _ZH_END),
    re.compile(_ZH_ASK + r"(?:用|拿)(?P<t>.+?)(?:方面)?的?(?:题目?|问题)?(?:考考我|考我|测测我)(?:一下)?" + _ZH_END),
    re.compile(_ZH_ASK + r"(?:出|来)(?:几道|一些|一道|道|点)?(?:关于|有关)?(?P<t>.*?)(?:方面)?的?题目?(?:考考我|考我|测测我)?(?:一下)?" + _ZH_END),
    re.compile(_ZH_ASK + r"(?:来|做|进行)?(?:一个|个|一次|几道|一套|一些)?(?:关于|有关)?(?P<t>.*?)(?:方面)?的?(?:小)?(?:测验|测试|小测)" + _ZH_END),
]
_ZH_GENERIC_TOPIC = re.compile(r"^(?:一下|我|点什么|一个|个|吧|呗)?$")
_ZH_ROLE = re.compile(r"(?:我是(?:一名|一个|一位|个)?|我的(?:岗位|职位|角色|工作)是|我(?:现在)?(?:担任|做|当))"
                      r"(?P<role>[^，,。！!？?；;\s]{2,20}?)(?=[，,。！!？?；;\s]|目标|想|希望|正在|$)")
_ZH_GOAL = re.compile(r"(?:目标是|目标：|想(?:要)?|希望|打算)(?:成为|当上?|做到|学好|提高|晋升为?)?(?P<goal>[^，,。！!？?；;]{2,40})")
_ZH_GROUP = re.compile(r"(?:在|属于)(?P<group>[^，,。！!？?；;\s]{2,20}?)(?:团队|部门|小组|组)")
_ZH_PATH = [
    re.compile(r"(?:到|通往|成为|学习?|学会|掌握)(?P<t>[^，,。？?]+?)的?(?:学习)?(?:路径|路线|计划)"),
    re.compile(r"(?:我想|我要|想要|希望)(?:成为|当|学会|学好)(?P<t>[^，,。？?]+)"),
]
_ZH_COURSE = {
    "completed": re.compile(r"(?:学完了?|完成了?|上完了?|读完了?|通过了)(?:这门)?(?P<course>.+?)(?:这门)?(?:课程?)?" + _ZH_END),
    "enrolled": re.compile(r"(?:报名|注册|参加|选修?)(?:了)?(?:这门)?(?P<course>.+?)(?:这门)?(?:课程?)?" + _ZH_END),
}

# Flagging a quiz question. Explicit phrasings only: each names the question ("flag this question", "this question
# is wrong", "举报这道题"), so a quiz answer such as "report it" or "flag it" is never taken for a flag.
_QUESTION = r"(?:(?:this|that|the|this last|that last|the last|last|the previous|previous)\s+)?(?:quiz\s+)?question"
_FLAG_COMMAND = re.compile(
    r"^\s*(?:please\s+)?(?:(?:can|could|would)\s+you\s+|i\s*(?:want|would\s+like|'d\s+like)\s+to\s+|let\s+me\s+|i'?ll\s+)?"
    rf"(?:flag|report|mark)\s+{_QUESTION}(?:\s+as\s+(?P<as>wrong|incorrect|broken|bad|unclear|outdated))?(?P<rest>.*)$",
    re.IGNORECASE | re.DOTALL)
_FLAG_STATEMENT = re.compile(
    rf"\b{_QUESTION}\s+(?:is|was|seems|looks|'s)\s+(?:(?:totally|completely|just|really|a\s+bit|plain)\s+)?"
    r"(?:wrong|incorrect|broken|outdated|out\s+of\s+date|ambiguous|unclear|confusing|misleading|nonsense|a\s+mess)\b"
    rf"|\b{_QUESTION}\s+(?:makes\s+no\s+sense|doesn'?t\s+make\s+(?:any\s+)?sense|has\s+(?:a|an)\s+(?:mistake|error|typo))"
    rf"|\b(?:mistake|error|typo)\s+in\s+{_QUESTION}\b"
    r"|\bthe\s+(?:answer\s+key|right\s+answer|correct\s+answer|expected\s+answer)\s+(?:is|was|seems|looks)\s+"
    r"(?:wrong|incorrect|outdated)\b",
    re.IGNORECASE)
_ZH_QUESTION = r"(?:这|那|上一|刚才那|刚才的|前一)(?:个|道)?(?:题目?|问题)"
_ZH_FLAG_COMMAND = re.compile(rf"^\s*(?:请|我要|我想|帮我)?(?:举报|标记|反馈|报告)(?:一下)?{_ZH_QUESTION}(?P<rest>.*)$",
                              re.DOTALL)
_ZH_FLAG_STATEMENT = re.compile(
    rf"{_ZH_QUESTION}(?:的答案|的标准答案|的选项|的题干|的说法)?(?:本身)?"
    r"(?:有问题|有错误?|错了|出错了|不对|有误|过时了?|说不通|讲不通|没道理|有歧义|不清楚)"
    r"|(?:标准答案|参考答案)(?:错了|有误|不对|过时了?)")
_PREVIOUS = re.compile(r"\b(?:previous|last|earlier)\s+(?:quiz\s+)?(?:question|one)\b|\bthe\s+one\s+before\b"
                       r"|上一题|上一道|上一个问题|上道题|刚才那道|刚才的题|前一题", re.IGNORECASE)
_REASON_LEAD = re.compile(r"^[\s:：,，;；.。!！—–-]*(?:(?:because|since|as|cause|reason)\b|因为|原因是)?[\s:：,，;；—–-]*",
                          re.IGNORECASE)


MAX_REPLY_WORDS = 5


def looks_like_question(text: str) -> bool:
    """Whether a message the NLU could not place reads as a question (messages.questions: question marks, also
    full-width, interrogative openings, CJK question particles, length) and should go to the tutor."""
    return reads_as_question(text)


def word_count(text: str) -> float:
    """Words in a message, a CJK character counting as half a word (messages.questions.signals): Chinese is
    written without spaces, so `text.split()` would count "我学得怎么样？" as one word."""
    return signals(text).words


def asks_something(text: str) -> bool:
    """Whether a message is worded as a question: a question mark, an interrogative opening ("what", "how", "is")
    or clause, "explain …", a Chinese question particle. Stricter than looks_like_question, which length and
    amounts alone satisfy: "the answer is outdated, it's 30 days now" is a complaint, not a question."""
    found = signals(text)
    return found.question_mark or found.interrogative_start or found.interrogative_clause or found.inquiry


def is_short_reply(text: str) -> bool:
    """A reply to a yes/no offer ("no thanks", "sure, why not", "don't"), not a question that happens to contain
    "no" or "don't" ("don't we get paid for overtime?"): at most five words, and not asking in four or more."""
    found = signals(text)
    if found.words > MAX_REPLY_WORDS:
        return False
    asks = found.question_mark or found.interrogative_start or found.interrogative_clause
    return not (asks and found.words >= 4)


def marked_title(text: str) -> str:
    """The first course title set in 《》, or ''."""
    match = _MARKED_TITLE.search(text or "")
    return match.group("title").strip() if match else ""


def quiz_topic(text: str) -> str:
    """'quiz me on SQL joins' -> 'SQL joins'; '考考我网络钓鱼' -> '网络钓鱼'; 'test me' -> ''."""
    title = marked_title(text)
    if title:
        return title
    said = (text or "").strip()
    for pattern in _ZH_QUIZ:
        match = pattern.match(said)
        if match:
            topic = match.group("t").strip(" ：:，,")
            return "" if _ZH_GENERIC_TOPIC.match(topic) else topic
    topic = _QUIZ_PREFIX.sub("", said).strip(" ?.!")
    return "" if _GENERIC_TOPIC.match(topic) else topic


def quiz_command(text: str, intent: str, confidence: float) -> str | None:
    """hint / skip / stop, by exact phrase or by a confident intent on a short message."""
    said = (text or "").strip().lower().strip(_COMMAND_PUNCTUATION)
    for command, phrases in COMMANDS.items():
        if said in phrases:
            return command
    command = COMMAND_INTENTS.get(intent)
    if command and confidence >= 0.8 and len(said.split()) <= 6:
        return command
    return None


def is_option_only(text: str) -> bool:
    """'2', 'b)', '(c).': a multiple-choice pick, never a question."""
    return bool(_OPTION_ONLY.fullmatch(text or ""))


def parse_profile(text: str) -> dict[str, str]:
    """role, goals and group_name found in 'I'm a data analyst aiming for team lead, in the finance team'."""
    found = {}
    for key, english, chinese in (("role", _ROLE, _ZH_ROLE), ("goals", _GOAL, _ZH_GOAL), ("group_name", _GROUP, _ZH_GROUP)):
        match = english.search(text or "") or chinese.search(text or "")
        if match:
            found[key] = match.group(match.lastgroup).strip()
    return found


def path_target(text: str) -> str:
    """'plan my path to Advanced SQL' -> 'Advanced SQL'; 'I want to become a data analyst — where do I start?'
    -> 'data analyst'; '规划《高级 SQL》的学习路径' -> '高级 SQL'."""
    title = marked_title(text)
    if title:
        return title
    for pattern in _ZH_PATH:
        match = pattern.search(text or "")
        if match:
            return match.group("t").strip(" ：:，,的")
    for pattern in _PATH_PATTERNS:
        match = pattern.search(text or "")
        if match:
            target = _TRAILING.sub("", match.group("t"))
            return re.sub(r"^(?:an?|the|my)\s+", "", target.strip(" ?.!"), flags=re.IGNORECASE)
    return (text or "").strip(" ?.!")


def course_named(text: str, pattern: re.Pattern) -> str:
    """The course in 'I finished X' (COMPLETED) or 'enrol me in X' (ENROL), also '我学完了《X》' and '帮我报名X';
    the whole text when neither fits."""
    title = marked_title(text)
    if title:
        return title
    match = pattern.search(text or "") or _ZH_COURSE["completed" if pattern is COMPLETED else "enrolled"].search(text or "")
    return match.group("course").strip() if match else text


def is_flag_request(text: str) -> bool:
    """Whether the learner says outright that a quiz question is faulty or asks to flag it: "flag this question",
    "report this question: the answer is outdated", "that question makes no sense", "这道题有问题"."""
    said = text or ""
    return any(p.search(said) for p in (_FLAG_COMMAND, _FLAG_STATEMENT, _ZH_FLAG_COMMAND, _ZH_FLAG_STATEMENT))


def refers_to_previous(text: str) -> bool:
    """Whether a flag is about the question answered last rather than the one now asked: "the previous question
    was wrong", "上一题有问题"."""
    return bool(_PREVIOUS.search(text or ""))


def flag_reason(text: str) -> str:
    """What a learner's flag says about the question: the words after "flag / report this question" ("report this
    question: the answer is outdated" -> "the answer is outdated"), '' for the bare command or the flag button's
    own words, else the whole message ("this question is wrong, it's 30 days now" is its own reason)."""
    said = (text or "").strip()
    if said.lower().strip(_COMMAND_PUNCTUATION) in {say("say.flag", lang).lower() for lang in LANGUAGES}:
        return ""
    match = _FLAG_COMMAND.match(said) or _ZH_FLAG_COMMAND.match(said)
    if not match:
        return said
    rest = _REASON_LEAD.sub("", match.group("rest"), count=1).strip()
    called = match.groupdict().get("as") or ""
    return f"{called}: {rest}" if called and rest else called or rest
