"""Gateway extraction (nginx, Envoy) on small inline configs: real routes and real line numbers."""
from __future__ import annotations

import textwrap

from hypothesis import given, settings
from hypothesis import strategies as st

from svclint.extract.gateway import extract_envoy, extract_nginx, is_envoy, is_nginx
from svclint.model import DeployFacts, GatewayRoute
from svclint.yamlio import load_all


def _text(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def _routes(facts: DeployFacts) -> list[tuple[str, str, int]]:
    return [(r.path, r.upstream, r.line) for r in facts.routes]


NGINX = _text("""
    # gateway
    upstream cart_backend {
        server cart-1:8080 weight=2;
        server cart-2:8080 backup;
        keepalive 16;
    }
    server {
        listen 80;
        set $orders_host "orders:9000";
        location / { root /usr/share/nginx/html; }
        location /api/catalogue/ {
            proxy_set_header Host $host;   # a comment with proxy_pass http://nope;
            proxy_pass http://${CATALOGUE_HOST}:8080/;
        }
        location ^~ /api/cart/ {
            proxy_pass http://cart_backend/cart/;
        }
        location = /api/orders {
            proxy_pass http://$orders_host;
        }
        location ~* ^/grpc/ { grpc_pass grpc://payments:50051; }
        location /php/ {
            fastcgi_pass php-fpm:9000;
            include fastcgi_params;
        }
        location /legacy/ {
            proxy_pass http://$unknown_var$request_uri;
        }
        location /outer/ {
            location /outer/inner/ {
                if ($request_method = POST) {
                    proxy_pass "http://writer:80";
                }
            }
        }
        location /u/ { uwsgi_pass uwsgi://cart_backend; }
        location @fallback { proxy_pass http://fallback:80; }
    }
    """)


def test_nginx_routes_paths_upstreams_and_lines() -> None:
    facts, errors = extract_nginx("gateway/nginx.conf", NGINX)
    assert errors == []
    assert _routes(facts) == [
        ("/api/catalogue/", "http://${CATALOGUE_HOST}:8080/", 13),
        ("/api/cart/", "http://cart-1:8080/cart/", 16),
        ("/api/cart/", "http://cart-2:8080/cart/", 16),
        ("/api/orders", "http://orders:9000", 19),
        ("^/grpc/", "grpc://payments:50051", 21),
        ("/php/", "php-fpm:9000", 23),
        ("/legacy/", "http://$unknown_var$request_uri", 27),
        ("/outer/inner/", "http://writer:80", 32),
        ("/u/", "uwsgi://cart-1:8080", 36),
        ("/u/", "uwsgi://cart-2:8080", 36),
        ("@fallback", "http://fallback:80", 37),
    ]
    assert {r.file for r in facts.routes} == {"gateway/nginx.conf"}


def test_nginx_set_is_visible_only_in_enclosing_blocks() -> None:
    text = _text("""
        server {
            location /a/ { set $up "alpha:1"; proxy_pass http://$up; }
            location /b/ { proxy_pass http://$up; }
            location /c/ { set $up bravo; set $full "http://$up:2"; proxy_pass $full; }
        }
        """)
    assert _routes(extract_nginx("n.conf", text)[0]) == [
        ("/a/", "http://alpha:1", 2), ("/b/", "http://$up", 3), ("/c/", "http://bravo:2", 4)]


def test_nginx_attached_modifier_and_multiline_directive() -> None:
    text = _text("""
        location =/exact {
            proxy_pass
                http://exact:80;
        }
        """)
    assert _routes(extract_nginx("n.conf", text)[0]) == [("/exact", "http://exact:80", 2)]


def test_nginx_quoted_regex_location_keeps_its_backslashes() -> None:
    text = 'location ~ "^/api/v\\d+/\\"x" { proxy_pass http://api:1; }\n'
    assert _routes(extract_nginx("n.conf", text)[0]) == [('^/api/v\\d+/"x', "http://api:1", 1)]


def test_nginx_stream_proxy_has_empty_path() -> None:
    text = _text("""
        stream {
            upstream db { server postgres:5432; }
            server { listen 5432; proxy_pass db; }
        }
        """)
    assert _routes(extract_nginx("n.conf", text)[0]) == [("", "postgres:5432", 3)]


def test_nginx_map_and_lua_blocks_are_not_read_as_directives() -> None:
    text = _text("""
        map $uri $proxy_pass {
            default       proxy_pass;
        }
        server {
            location /lua/ {
                content_by_lua_block { ngx.say("proxy_pass http://no;") }
            }
            location /ok/ { proxy_pass http://ok:1; }
        }
        """)
    facts, errors = extract_nginx("n.conf", text)
    assert errors == []
    assert _routes(facts) == [("/ok/", "http://ok:1", 8)]


def test_nginx_unbalanced_braces_are_errors_not_exceptions() -> None:
    facts, errors = extract_nginx("n.conf", "server {\n  location /a/ {\n    proxy_pass http://a:1;\n")
    assert _routes(facts) == [("/a/", "http://a:1", 3)]
    assert [(e.message, e.line) for e in errors] == [("unclosed '{' in nginx config", 2),
                                                     ("unclosed '{' in nginx config", 1)]
    facts, errors = extract_nginx("n.conf", "}\nlocation /b/ { proxy_pass http://b:1 }\n")
    assert _routes(facts) == [("/b/", "http://b:1", 2)]
    assert [(e.message, e.line) for e in errors] == [("unexpected '}' in nginx config", 1),
                                                     ("missing ';' before '}' in nginx config", 2)]


def test_nginx_unterminated_string_and_empty_input() -> None:
    facts, errors = extract_nginx("n.conf", 'location /a/ { proxy_pass http://a:1; }\nset $x "open\n')
    assert _routes(facts) == [("/a/", "http://a:1", 1)]
    assert [(e.message, e.line) for e in errors] == [("unterminated quoted string in nginx config", 2)]
    assert extract_nginx("n.conf", "") == (DeployFacts(), [])
    assert extract_nginx("n.conf", "# nothing\n") == (DeployFacts(), [])


def test_is_nginx() -> None:
    assert is_nginx(NGINX)
    assert is_nginx("proxy_pass http://a;\n")
    assert not is_nginx("<IfModule mod_status.c>\n  ExtendedStatus On\n</IfModule>\n")
    assert not is_nginx("<source>\n  @type forward\n</source>\n")


ENVOY = _text("""
    static_resources:
      listeners:
      - name: listener_0
        address:
          socket_address: {address: 0.0.0.0, port_value: 8080}
        filter_chains:
        - filters:
          - name: envoy.filters.network.http_connection_manager
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
              route_config:
                virtual_hosts:
                - name: backend
                  domains: ["*"]
                  routes:
                  - match: {prefix: "/cart"}
                    route:
                      cluster: cart
                  - match: {path: "/health"}
                    direct_response: {status: 200}
                  - match: {safe_regex: {regex: "^/orders/.*"}}
                    route:
                      weighted_clusters:
                        clusters:
                        - {name: orders, weight: 90}
                        - {name: orders-canary, weight: 10}
      clusters:
      - name: cart
        type: STRICT_DNS
        load_assignment:
          cluster_name: cart
          endpoints:
          - lb_endpoints:
            - endpoint:
                address:
                  socket_address: {address: cart, port_value: 8080}
            - endpoint:
                address:
                  socket_address: {address: cart-2, port_value: 8080}
      - name: orders
        hosts:
        - socket_address: {address: orders, port_value: 9000}
    """)


def test_envoy_routes_to_cluster_endpoints() -> None:
    facts, errors = extract_envoy("envoy/envoy.yaml", ENVOY)
    assert errors == []
    assert _routes(facts) == [
        ("/cart", "cart:8080", 18),
        ("/cart", "cart-2:8080", 18),
        ("^/orders/.*", "orders:9000", 25),
        ("^/orders/.*", "orders-canary", 26),
    ]
    assert facts.routes[0] == GatewayRoute("/cart", "cart:8080", "envoy/envoy.yaml", 18)


def test_envoy_broken_and_odd_input() -> None:
    facts, errors = extract_envoy("e.yaml", "static_resources: [\n")
    assert facts == DeployFacts() and len(errors) == 1 and errors[0].message.startswith("invalid YAML")
    assert extract_envoy("e.yaml", "- 1\n---\nplain\n---\n") == (DeployFacts(), [])
    text = "static_resources:\n  clusters: 3\n  listeners: [{name: l, filter_chains: x}]\n"
    assert extract_envoy("e.yaml", text) == (DeployFacts(), [])


def test_is_envoy() -> None:
    assert is_envoy(load_all(ENVOY)[0])
    assert is_envoy(load_all('{"dynamic_resources": {"ads_config": {}}}')[0])
    assert not is_envoy(load_all("apiVersion: v1\nkind: Service\n")[0])
    assert not is_envoy(load_all("static_resources: 1\n")[0])


def test_nginx_hostile_nesting_is_bounded() -> None:
    facts, errors = extract_nginx("n.conf", "location /a { " * 5000 + "proxy_pass http://x;")
    assert facts == DeployFacts()
    assert [e.message for e in errors] == ["nginx blocks nested too deeply; rest of the file not read"]


_NOISE = st.text(alphabet=st.sampled_from(list("{};\"'#$\n\\ :-[]ab/")), max_size=200)


@settings(max_examples=300, deadline=None)
@given(_NOISE)
def test_never_raises_on_noise(text: str) -> None:
    for extract in (extract_nginx, extract_envoy):
        facts, errors = extract("g.conf", text)
        assert isinstance(facts, DeployFacts)
        assert all(e.line >= 1 for e in errors)
