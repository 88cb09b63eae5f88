import pytest

from tools.errors import InputError
from tools.user_graph import check_user_graph, load_user_graph, user_graph_knowledge

COLUMNS = ("age", "education", "income", "health")


def write(tmp_path, text, name="g.txt"):
    path = tmp_path / name
    path.write_text(text)
    return path


def marks(graph):
    return {(e.source, e.mark, e.target) for e in graph.edges}


def test_edge_list_with_every_mark(tmp_path):
    graph = load_user_graph(
        write(
            tmp_path,
            "# my graph\nage -> education\nincome <- education ; \n"
            "age <-> health  # shared genes\nhealth --- income\n",
        )
    )
    assert marks(graph) == {
        ("age", "-->", "education"),
        ("education", "-->", "income"),
        ("age", "<->", "health"),
        ("health", "---", "income"),
    }
    assert all(e.origin == ("user",) for e in graph.edges)


def test_truth_file_format_is_read(tmp_path):
    graph = load_user_graph(write(tmp_path, "source,target\nage,income\n", "g.csv"))
    assert marks(graph) == {("age", "-->", "income")}


def test_dot_with_bidirected_edges(tmp_path):
    text = (
        'digraph { age -> education; "education" -> income [color=red];\n'
        "age -> health [dir=both]; income <-> health }"
    )
    graph = load_user_graph(write(tmp_path, text, "g.dot"))
    assert marks(graph) == {
        ("age", "-->", "education"),
        ("education", "-->", "income"),
        ("age", "<->", "health"),
        ("income", "<->", "health"),
    }
    undirected = load_user_graph(write(tmp_path, "graph { age -- income }", "u.gv"))
    assert marks(undirected) == {("age", "---", "income")}


@pytest.mark.parametrize(
    "text,message",
    [
        ("age => income", "not an edge"),
        ("age -> age", "self-loop"),
        ("age -> income\nincome -> age", "joined twice"),
        ("", "no edges"),
    ],
)
def test_bad_edge_lists_are_errors(tmp_path, text, message):
    with pytest.raises(InputError, match=message):
        load_user_graph(write(tmp_path, text))


def test_bad_dot_is_an_error(tmp_path):
    with pytest.raises(InputError, match="not valid DOT"):
        load_user_graph(write(tmp_path, "digraph { age -> ", "g.dot"))


def test_names_must_be_columns_and_directed_edges_acyclic(tmp_path):
    graph = load_user_graph(write(tmp_path, "age -> incme"))
    with pytest.raises(InputError, match="unknown or excluded column.*incme.*did you mean income"):
        check_user_graph(graph, COLUMNS, "g.txt")
    cyclic = load_user_graph(write(tmp_path, "age -> income\nincome -> health\nhealth -> age"))
    with pytest.raises(InputError, match="directed cycle"):
        check_user_graph(cyclic, COLUMNS, "g.txt")
    ok = check_user_graph(load_user_graph(write(tmp_path, "age -> income")), COLUMNS, "g.txt")
    assert ok.nodes == COLUMNS


def test_seed_knowledge(tmp_path):
    graph = load_user_graph(write(tmp_path, "age -> income\nage <-> health\nhealth --- income"))
    knowledge, notes = user_graph_knowledge(graph, "g.txt")
    assert knowledge.required == (("age", "income"),)
    assert knowledge.latent == (("age", "health"),)
    assert knowledge.origin_of("age", "income") == "user"
    assert "health --- income" in notes[0]
