"""argparse's own messages in Chinese, keyed ``argparse:<its English text>`` (argparse looks
them up through gettext; see :func:`dlfs.i18n.install_argparse`). English is the text itself."""

_ZH = {
    "usage: ": "用法：",
    "positional arguments": "位置参数",
    "options": "选项",
    "show this help message and exit": "显示此帮助并退出",
    "show program's version number and exit": "显示版本号并退出",
    "the following arguments are required: %s": "缺少必需的参数：%s",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "invalid choice: %(value)r (choose from %(choices)s)":
        "无效的选择：%(value)r（可选：%(choices)s）",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "expected one argument": "需要一个值",
    "expected at most one argument": "最多需要一个值",
    "expected at least one argument": "至少需要一个值",
    "invalid %(type)s value: %(value)r": "无效的 %(type)s 值：%(value)r",
    "not allowed with argument %s": "不能与参数 %s 同时使用",
    "one of the arguments %s is required": "参数 %s 之中必须给出一个",
    "ambiguous option: %(option)s could match %(matches)s":
        "有歧义的选项：%(option)s 可匹配 %(matches)s",
    "ignored explicit argument %r": "忽略了显式参数 %r",
    "%(prog)s: error: %(message)s\n": "%(prog)s：错误：%(message)s\n",
    "unknown parser %(parser_name)r (choices: %(choices)s)":
        "未知的子命令 %(parser_name)r（可选：%(choices)s）",
}

MESSAGES: dict[str, tuple[str, str]] = {f"argparse:{en}": (en, zh) for en, zh in _ZH.items()}
