//! Container states, numbered as LXC numbers them on the wire.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    Stopped = 0,
    Starting = 1,
    Running = 2,
    Stopping = 3,
    Aborting = 4,
    Freezing = 5,
    Frozen = 6,
    Thawed = 7,
}

/// Number of states (LXC's MAX_STATE).
pub const MAX_STATE: usize = 8;

impl State {
    pub const ALL: [State; MAX_STATE] = [
        State::Stopped,
        State::Starting,
        State::Running,
        State::Stopping,
        State::Aborting,
        State::Freezing,
        State::Frozen,
        State::Thawed,
    ];

    pub fn name(self) -> &'static str {
        match self {
            State::Stopped => "STOPPED",
            State::Starting => "STARTING",
            State::Running => "RUNNING",
            State::Stopping => "STOPPING",
            State::Aborting => "ABORTING",
            State::Freezing => "FREEZING",
            State::Frozen => "FROZEN",
            State::Thawed => "THAWED",
        }
    }

    /// Case-sensitive as in LXC (`lxc-wait -s RUNNING`).
    pub fn from_name(name: &str) -> Option<State> {
        State::ALL.into_iter().find(|s| s.name() == name)
    }

    pub fn from_number(n: i64) -> Option<State> {
        State::ALL.into_iter().find(|s| *s as i64 == n)
    }
}

impl std::fmt::Display for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
