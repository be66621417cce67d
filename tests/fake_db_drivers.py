"""Stand-ins for database drivers with the drivers' own API, over one in-memory server that
can drop every connection between invocations (the database's idle timeout).

`install(monkeypatch)` puts `psycopg2`, `pymysql`, `redis` and `sqlalchemy` into
`sys.modules` and returns the `Server`. Each fake keeps to what its real driver does when the
server has closed the socket:

- psycopg2: the next query raises `OperationalError` and `conn.closed` becomes 2; `rollback()`
  outside a transaction sends nothing (so it does not notice); after a failed statement the
  transaction is aborted until `rollback()` (`InFailedSqlTransaction`).
- PyMySQL: the next query raises `err.OperationalError` (2006, "MySQL server has gone away");
  `ping(reconnect=True)` opens a new socket in place; `ping(reconnect=False)` raises.
- redis-py: the client's pool notices the closed socket at checkout and reconnects.
- SQLAlchemy: without `pool_pre_ping` the checkout hands out the dead connection, the query
  raises `exc.OperationalError` and the pool is invalidated; with it the pool tests and
  replaces the connection first.
"""

import sys
import types


class Server:
    """Rows, sessions and the idle timeout. `orders` maps an id to its total."""

    def __init__(self):
        self.sessions = []
        self.opened = 0
        self.committed = []  # rows inserted and committed, in order
        self.keys = {}

    def open(self):
        session = Session(self)
        self.sessions.append(session)
        self.opened += 1
        return session

    def drop_idle(self):
        """The idle timeout: the server closes every connection it has."""
        for session in self.sessions:
            session.alive = False
        self.sessions = []

    @staticmethod
    def total(order_id):
        return 10 * len(str(order_id))


class Session:
    def __init__(self, server):
        self.server, self.alive, self.pending = server, True, []

    def run(self, sql, params):
        """Rows for `sql`, or raise ValueError for a statement the server rejects."""
        sql = " ".join(sql.split())
        if sql == "SELECT 1":
            return [(1,)]
        if sql.startswith("SELECT total FROM orders WHERE id = "):
            value = params[0] if isinstance(params, (tuple, list)) else params["id"]
            return [(self.server.total(value),)]
        if sql.startswith("INSERT INTO audit"):
            self.pending.append(tuple(params))
            return []
        raise ValueError(f"syntax error at or near {sql.split()[0]!r}")

    def commit(self):
        self.server.committed.extend(self.pending)
        self.pending = []

    def rollback(self):
        self.pending = []


# -- psycopg2 --------------------------------------------------------------------------------


def _psycopg2(server):
    module = types.ModuleType("psycopg2")

    class Error(Exception):
        pass

    class InterfaceError(Error):
        pass

    class DatabaseError(Error):
        pass

    class OperationalError(DatabaseError):
        pass

    class ProgrammingError(DatabaseError):
        pass

    class InternalError(DatabaseError):
        pass

    class InFailedSqlTransaction(InternalError):
        pass

    class Cursor:
        def __init__(self, conn):
            self.conn, self.rows = conn, []

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def execute(self, sql, params=None):
            conn = self.conn
            if conn.closed:
                raise InterfaceError("connection already closed")
            if not conn.session.alive:
                conn.closed = 2
                raise OperationalError("server closed the connection unexpectedly")
            if conn.aborted:
                raise InFailedSqlTransaction(
                    "current transaction is aborted, commands ignored until end of transaction block"
                )
            conn.in_transaction = True
            try:
                self.rows = conn.session.run(sql, params)
            except ValueError as exc:
                conn.aborted = True
                raise ProgrammingError(str(exc)) from None

        def fetchone(self):
            return self.rows[0] if self.rows else None

    class Connection:
        def __init__(self, dsn):
            self.dsn, self.session, self.closed = dsn, server.open(), 0
            self.in_transaction = self.aborted = False

        def cursor(self):
            if self.closed:
                raise InterfaceError("connection already closed")
            return Cursor(self)

        def _end(self, keep):
            if self.closed:
                raise InterfaceError("connection already closed")
            if not self.in_transaction:
                return  # nothing to send
            if not self.session.alive:
                self.closed = 2
                raise OperationalError("server closed the connection unexpectedly")
            self.session.commit() if keep else self.session.rollback()
            self.in_transaction = self.aborted = False

        def commit(self):
            self._end(True)

        def rollback(self):
            self._end(False)

        def close(self):
            self.closed = 1

    def connect(dsn="", **kwargs):
        return Connection(dsn)

    errors = types.ModuleType("psycopg2.errors")
    errors.InFailedSqlTransaction = InFailedSqlTransaction
    for name, value in dict(
        Error=Error,
        InterfaceError=InterfaceError,
        DatabaseError=DatabaseError,
        OperationalError=OperationalError,
        ProgrammingError=ProgrammingError,
        InternalError=InternalError,
        connect=connect,
        errors=errors,
    ).items():
        setattr(module, name, value)
    return {"psycopg2": module, "psycopg2.errors": errors}


# -- PyMySQL ---------------------------------------------------------------------------------


def _pymysql(server):
    module = types.ModuleType("pymysql")
    err = types.ModuleType("pymysql.err")

    class MySQLError(Exception):
        pass

    class InterfaceError(MySQLError):
        pass

    class DatabaseError(MySQLError):
        pass

    class OperationalError(DatabaseError):
        pass

    class ProgrammingError(DatabaseError):
        pass

    class Cursor:
        def __init__(self, conn):
            self.conn, self.rows = conn, []

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def execute(self, sql, params=None):
            conn = self.conn
            if conn.session is None:
                raise InterfaceError(0, "")
            if not conn.session.alive:
                conn.session = None
                raise OperationalError(2006, "MySQL server has gone away")
            try:
                self.rows = conn.session.run(sql, params)
            except ValueError as exc:
                raise ProgrammingError(1064, str(exc)) from None
            return len(self.rows)

        def fetchone(self):
            return self.rows[0] if self.rows else None

    class Connection:
        def __init__(self, **kwargs):
            self.kwargs, self.session = kwargs, server.open()

        @property
        def open(self):
            return self.session is not None

        def cursor(self):
            return Cursor(self)

        def ping(self, reconnect=True):
            if self.session is None or not self.session.alive:
                if not reconnect:
                    raise err.Error("Already closed")
                self.session = server.open()

        def _send(self):
            if self.session is None:
                raise err.Error("Already closed")
            if not self.session.alive:
                self.session = None
                raise OperationalError(2006, "MySQL server has gone away")

        def commit(self):
            self._send()
            self.session.commit()

        def rollback(self):
            self._send()
            self.session.rollback()

        def close(self):
            if self.session is None:
                raise err.Error("Already closed")
            self.session = None

    def connect(*args, **kwargs):
        return Connection(**kwargs)

    for name, value in dict(
        MySQLError=MySQLError,
        Error=MySQLError,
        InterfaceError=InterfaceError,
        DatabaseError=DatabaseError,
        OperationalError=OperationalError,
        ProgrammingError=ProgrammingError,
    ).items():
        setattr(err, name, value)
        setattr(module, name, value)
    module.err, module.connect, module.Connect, module.Connection = err, connect, connect, Connection
    return {"pymysql": module, "pymysql.err": err}


# -- redis-py --------------------------------------------------------------------------------


def _redis(server):
    module = types.ModuleType("redis")

    class RedisError(Exception):
        pass

    class ConnectionError(RedisError):  # noqa: A001 - the driver's own name
        pass

    class Redis:
        def __init__(self, host="localhost", port=6379, **kwargs):
            self.session = None

        def _checkout(self):
            # The pool sees the closed socket when it hands the connection out, and reconnects.
            if self.session is None or not self.session.alive:
                self.session = server.open()
            return self.session

        def ping(self):
            self._checkout()
            return True

        def incr(self, key):
            self._checkout()
            server.keys[key] = server.keys.get(key, 0) + 1
            return server.keys[key]

        def get(self, key):
            self._checkout()
            return server.keys.get(key)

    module.Redis = module.StrictRedis = Redis
    module.RedisError, module.ConnectionError = RedisError, ConnectionError
    return {"redis": module}


# -- SQLAlchemy ------------------------------------------------------------------------------


def _sqlalchemy(server):
    module = types.ModuleType("sqlalchemy")
    exc = types.ModuleType("sqlalchemy.exc")

    class SQLAlchemyError(Exception):
        pass

    class DBAPIError(SQLAlchemyError):
        pass

    class OperationalError(DBAPIError):
        pass

    class TextClause:
        def __init__(self, sql):
            self.text = sql

    class Result:
        def __init__(self, rows):
            self.rows = rows

        def scalar(self):
            return self.rows[0][0] if self.rows else None

    class Connection:
        def __init__(self, engine):
            self.engine = engine

        def __enter__(self):
            return self

        def __exit__(self, *exc_info):
            return False

        def execute(self, clause, params=None):
            session = self.engine.session
            if not session.alive:
                self.engine.session = server.open()  # the pool is invalidated; the next checkout is new
                raise OperationalError("(psycopg2.OperationalError) server closed the connection unexpectedly")
            return Result(session.run(clause.text, params))

    class Engine:
        def __init__(self, url, pool_pre_ping=False, **kwargs):
            self.url, self.pre_ping, self.session = url, pool_pre_ping, None

        def connect(self):
            if self.session is None or (self.pre_ping and not self.session.alive):
                self.session = server.open()
            return Connection(self)

        def dispose(self):
            self.session = None

    def create_engine(url, **kwargs):
        return Engine(url, **kwargs)

    exc.SQLAlchemyError, exc.DBAPIError, exc.OperationalError = SQLAlchemyError, DBAPIError, OperationalError
    module.create_engine, module.text, module.exc = create_engine, TextClause, exc
    return {"sqlalchemy": module, "sqlalchemy.exc": exc}


def install(monkeypatch):
    """Put the fake drivers into `sys.modules` (undone by the monkeypatch) over one server."""
    server = Server()
    for build in (_psycopg2, _pymysql, _redis, _sqlalchemy):
        for name, module in build(server).items():
            monkeypatch.setitem(sys.modules, name, module)
    return server
