# richards: the Richards operating-system scheduler simulation, with linked packets and tasks
# and methods. Default n=20 iterations.
import sys

I_IDLE = 1
I_WORK = 2
I_HANDLERA = 3
I_HANDLERB = 4
I_DEVA = 5
I_DEVB = 6
K_DEV = 1000
K_WORK = 1001
BUFSIZE = 4


class Packet:
    def __init__(self, link, ident, kind):
        self.link = link
        self.ident = ident
        self.kind = kind
        self.datum = 0
        self.data = [0] * BUFSIZE

    def append_to(self, lst):
        self.link = None
        if lst is None:
            return self
        q = lst
        nxt = q.link
        while nxt is not None:
            q = nxt
            nxt = q.link
        q.link = self
        return lst


class Area:
    def __init__(self):
        self.tasks = [None] * 10
        self.task_list = None
        self.hold_count = 0
        self.qpkt_count = 0


area = Area()


class Task:
    def __init__(self, ident, priority, input, pending, waiting, kind):
        self.link = area.task_list
        self.ident = ident
        self.priority = priority
        self.input = input
        self.packet_pending = pending
        self.task_waiting = waiting
        self.task_holding = False
        self.kind = kind
        self.pending = None
        self.work_in = None
        self.device_in = None
        self.control = 1
        self.count = 0
        self.destination = 0
        area.task_list = self
        area.tasks[ident] = self

    def holding_or_waiting(self):
        return self.task_holding or (not self.packet_pending and self.task_waiting)

    def waiting_with_packet(self):
        return self.packet_pending and self.task_waiting and not self.task_holding

    def wait_task(self):
        self.task_waiting = True
        return self

    def hold(self):
        area.hold_count += 1
        self.task_holding = True
        return self.link

    def release(self, ident):
        other = area.tasks[ident]
        other.task_holding = False
        if other.priority > self.priority:
            return other
        return self

    def add_packet(self, p, old):
        if self.input is None:
            self.input = p
            self.packet_pending = True
            if self.priority > old.priority:
                return self
        else:
            p.append_to(self.input)
        return old

    def qpkt(self, p):
        target = area.tasks[p.ident]
        area.qpkt_count += 1
        p.link = None
        p.ident = self.ident
        return target.add_packet(p, self)

    def run_device(self, p):
        if p is None:
            p = self.pending
            if p is None:
                return self.wait_task()
            self.pending = None
            return self.qpkt(p)
        self.pending = p
        return self.hold()

    def run_handler(self, p):
        if p is not None:
            if p.kind == K_WORK:
                self.work_in = p.append_to(self.work_in)
            else:
                self.device_in = p.append_to(self.device_in)
        work = self.work_in
        if work is None:
            return self.wait_task()
        count = work.datum
        if count >= BUFSIZE:
            self.work_in = work.link
            return self.qpkt(work)
        dev = self.device_in
        if dev is None:
            return self.wait_task()
        self.device_in = dev.link
        dev.datum = work.data[count]
        work.datum = count + 1
        return self.qpkt(dev)

    def run_idle(self, p):
        self.count -= 1
        if self.count == 0:
            return self.hold()
        if self.control & 1 == 0:
            self.control = self.control // 2
            return self.release(I_DEVA)
        self.control = (self.control // 2) ^ 0xD008
        return self.release(I_DEVB)

    def run_work(self, p):
        if p is None:
            return self.wait_task()
        dest = I_HANDLERB if self.destination == I_HANDLERA else I_HANDLERA
        self.destination = dest
        p.ident = dest
        p.datum = 0
        for i in range(BUFSIZE):
            self.count += 1
            if self.count > 26:
                self.count = 1
            p.data[i] = 64 + self.count
        return self.qpkt(p)

    def run(self):
        p = None
        if self.waiting_with_packet():
            p = self.input
            self.input = p.link
            if self.input is None:
                self.packet_pending = False
                self.task_waiting = False
            else:
                self.packet_pending = True
        if self.kind == I_DEVA:
            return self.run_device(p)
        if self.kind == I_HANDLERA:
            return self.run_handler(p)
        if self.kind == I_IDLE:
            return self.run_idle(p)
        return self.run_work(p)


def schedule():
    t = area.task_list
    while t is not None:
        if t.holding_or_waiting():
            t = t.link
        else:
            t = t.run()


def setup():
    area.task_list = None
    area.hold_count = 0
    area.qpkt_count = 0
    idle = Task(I_IDLE, 1, None, False, False, I_IDLE)
    idle.count = 10000
    wkq = Packet(None, 0, K_WORK)
    wkq = Packet(wkq, 0, K_WORK)
    Task(I_WORK, 1000, wkq, True, True, I_WORK)
    wkq = Packet(None, I_DEVA, K_DEV)
    wkq = Packet(wkq, I_DEVA, K_DEV)
    wkq = Packet(wkq, I_DEVA, K_DEV)
    Task(I_HANDLERA, 2000, wkq, True, True, I_HANDLERA)
    wkq = Packet(None, I_DEVB, K_DEV)
    wkq = Packet(wkq, I_DEVB, K_DEV)
    wkq = Packet(wkq, I_DEVB, K_DEV)
    Task(I_HANDLERB, 3000, wkq, True, True, I_HANDLERA)
    Task(I_DEVA, 4000, None, False, True, I_DEVA)
    Task(I_DEVB, 5000, None, False, True, I_DEVA)


def main(n=20):
    holds = 0
    qpkts = 0
    for i in range(n):
        setup()
        schedule()
        holds += area.hold_count
        qpkts += area.qpkt_count
    print(f"richards {n} {holds} {qpkts}")


main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
