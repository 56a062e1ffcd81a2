//! The simulated network: links between nodes, each up or cut, and the messages in flight on
//! them. A message is one frame of the sync protocol, encoded with `common::sync::encode` and
//! decoded by the receiver as the daemon does.
//!
//! Faults are decided by the scheduler and carried out here: a message may be delivered out of
//! order, dropped, duplicated or held back for a while; cutting a link loses what is in flight
//! on it, and so does a crash of either end.

/// A sync frame: a request (answered by the receiver) or a response (handled by the receiver).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    Request(Vec<u8>),
    Response(Vec<u8>),
}

#[derive(Debug, Clone)]
pub struct Message {
    pub from: usize,
    pub to: usize,
    pub frame: Frame,
    /// Not deliverable before this step (a delayed message).
    pub not_before: u64,
}

/// A link between two nodes; only linked nodes exchange messages.
#[derive(Debug, Clone)]
pub struct Link {
    pub a: usize,
    pub b: usize,
    pub up: bool,
}

impl Link {
    pub fn joins(&self, x: usize, y: usize) -> bool {
        (self.a == x && self.b == y) || (self.a == y && self.b == x)
    }
}

#[derive(Debug, Default)]
pub struct Network {
    pub links: Vec<Link>,
    pub in_flight: Vec<Message>,
}

impl Network {
    pub fn link_up(&self, x: usize, y: usize) -> bool {
        self.links.iter().any(|link| link.joins(x, y) && link.up)
    }

    /// Queues a message if the link is up; a message on a cut link is lost. Returns whether it
    /// was queued.
    pub fn send(&mut self, from: usize, to: usize, frame: Frame, step: u64) -> bool {
        if !self.link_up(from, to) {
            return false;
        }
        self.in_flight.push(Message {
            from,
            to,
            frame,
            not_before: step,
        });
        true
    }

    /// Indexes of the messages deliverable at `step`.
    pub fn deliverable(&self, step: u64) -> Vec<usize> {
        (0..self.in_flight.len())
            .filter(|&i| self.in_flight[i].not_before <= step)
            .collect()
    }

    /// Cuts a link and loses what was in flight on it. Returns how many messages were lost.
    pub fn cut(&mut self, link: usize) -> usize {
        let (a, b) = (self.links[link].a, self.links[link].b);
        self.links[link].up = false;
        self.lose(|m| (m.from == a && m.to == b) || (m.from == b && m.to == a))
    }

    /// Loses every message to or from a node that crashed.
    pub fn lose_node(&mut self, node: usize) -> usize {
        self.lose(|m| m.from == node || m.to == node)
    }

    fn lose(&mut self, lost: impl Fn(&Message) -> bool) -> usize {
        let before = self.in_flight.len();
        self.in_flight.retain(|m| !lost(m));
        before - self.in_flight.len()
    }
}
