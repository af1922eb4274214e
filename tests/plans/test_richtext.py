import re

from plans.richtext import render_markdown


def test_supported_markup():
    html = render_markdown(
        "## Rubrik\n\nEtt **fett** och *kursivt* ord.\n\n- ett\n- två\n\n[NNS](https://nnsfinsam.se)"
    )
    assert "<h4>Rubrik</h4>" in html
    assert "<strong>fett</strong>" in html and "<em>kursivt</em>" in html
    assert "<ul>" in html and "<li>två</li>" in html
    assert 'href="https://nnsfinsam.se"' in html and 'rel="noopener noreferrer"' in html


def test_scripts_styles_and_javascript_links_are_removed():
    html = render_markdown(
        "<script>alert(1)</script><img src=x onerror=alert(1)><style>body{}</style>\n\n"
        '[klick](javascript:alert(1)) <a href="javascript:alert(2)">x</a>'
    )
    tags = re.findall(r"<[a-z][^>]*>", html)
    assert all(tag.split()[0].strip("<>") in {"p", "a", "strong", "em"} for tag in tags), tags
    assert not any("javascript:" in tag or "onerror" in tag for tag in tags), tags
    assert "&lt;script&gt;" in html  # shown as text, never run


def test_empty_text():
    assert render_markdown("") == ""
