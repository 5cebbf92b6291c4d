//! A private `redis-server` for tests: started on a random free port of 127.0.0.1 in a temp
//! folder (`--save "" --appendonly no --dir TMP`), never a shared instance; stopped (with its
//! folder removed) when dropped. `stop` saves a snapshot first and `start_again` loads it, so
//! a test can take Redis away mid-run and bring the same data back.
//!
//! A missing `redis-server` fails the test with a message saying how to install it.

// Each test binary that includes this file uses only part of it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct RedisServer {
    port: u16,
    dir: PathBuf,
    child: Option<Child>,
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    l.local_addr().expect("local address").port()
}

impl RedisServer {
    /// Starts a fresh server.
    pub fn start() -> RedisServer {
        let port = free_port();
        let dir = std::env::temp_dir().join(format!("dana-redis-{}-{port}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create the Redis folder");
        let mut s = RedisServer {
            port,
            dir,
            child: None,
        };
        s.start_again();
        s
    }

    /// Starts the server (again) on the same port and folder, loading its saved snapshot.
    pub fn start_again(&mut self) {
        assert!(self.child.is_none(), "the Redis server is already running");
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string()])
            .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(&self.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let child = match child {
            Ok(c) => c,
            Err(e) => panic!(
                "cannot start redis-server ({e}): the fleet tests need it; install it with \
                 `apt-get install -y redis-server` (.ci/run does this)"
            ),
        };
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(r) = self.try_command(&["PING"]) {
                if r == "PONG" {
                    return;
                }
            }
            assert!(
                Instant::now() < deadline,
                "redis-server did not answer on port {} within 10 s",
                self.port
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Saves a snapshot and stops the server (its clients see the connection drop).
    pub fn stop(&mut self) {
        let _ = self.try_command(&["SHUTDOWN", "SAVE"]);
        if let Some(mut c) = self.child.take() {
            let deadline = Instant::now() + Duration::from_secs(10);
            while c.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `redis://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Runs one command and gives its reply as text (arrays one item a line; nil as "").
    pub fn command(&self, args: &[&str]) -> String {
        self.try_command(args)
            .unwrap_or_else(|e| panic!("redis {args:?}: {e}"))
    }

    fn try_command(&self, args: &[&str]) -> Result<String, String> {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).map_err(|e| e.to_string())?;
        s.set_read_timeout(Some(Duration::from_secs(10)))
            .map_err(|e| e.to_string())?;
        let mut req = format!("*{}\r\n", args.len());
        for a in args {
            req.push_str(&format!("${}\r\n{a}\r\n", a.len()));
        }
        s.write_all(req.as_bytes()).map_err(|e| e.to_string())?;
        let mut r = BufReader::new(s);
        let mut out = Vec::new();
        read_reply(&mut r, &mut out)?;
        Ok(out.join("\n"))
    }
}

fn read_line(r: &mut impl BufRead) -> Result<String, String> {
    let mut line = String::new();
    r.read_line(&mut line).map_err(|e| e.to_string())?;
    if line.is_empty() {
        return Err("connection closed".into());
    }
    Ok(line.trim_end_matches("\r\n").to_string())
}

fn read_reply(r: &mut impl BufRead, out: &mut Vec<String>) -> Result<(), String> {
    let line = read_line(r)?;
    let (kind, rest) = line.split_at(1);
    match kind {
        "+" | ":" => out.push(rest.to_string()),
        "-" => return Err(rest.to_string()),
        "$" => {
            let n: i64 = rest.parse().map_err(|_| format!("bad reply {line:?}"))?;
            if n < 0 {
                out.push(String::new());
            } else {
                let mut buf = vec![0u8; n as usize + 2];
                r.read_exact(&mut buf).map_err(|e| e.to_string())?;
                buf.truncate(n as usize);
                out.push(String::from_utf8_lossy(&buf).into_owned());
            }
        }
        "*" => {
            let n: i64 = rest.parse().map_err(|_| format!("bad reply {line:?}"))?;
            for _ in 0..n.max(0) {
                read_reply(r, out)?;
            }
        }
        _ => return Err(format!("unexpected reply {line:?}")),
    }
    Ok(())
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
