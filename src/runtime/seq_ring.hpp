#pragma once
// A FIFO addressed by sequence number, for records in flight to Kafka.
//
// The source runner appends one item per record sent and removes items from the front once
// Kafka acknowledged them in order; acknowledgements find their item by the sequence number the
// producer carries as its opaque. A std::deque did the same but allocated and freed a block for
// every couple of (large) items; here the slots of a power-of-two ring are reused, so a steady
// stream of records costs no allocation for bookkeeping. The ring grows (doubling, items keep
// their sequence numbers) when more items are in flight than it holds; producer back-pressure
// (queue.buffering.max.messages) bounds how far.

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace ferry::runtime {

template <class T>
class seq_ring {
public:
    bool empty() const { return _head == _tail; }
    size_t size() const { return size_t(_tail - _head); }
    size_t capacity() const { return _items.size(); }
    // Sequence numbers of the first item and of the next one to be pushed.
    uint64_t head() const { return _head; }
    uint64_t tail() const { return _tail; }

    // Appends and returns the item's sequence number.
    uint64_t push_back(T item) {
        if (size() == _items.size()) grow();
        _items[_tail & _mask] = std::move(item);
        return _tail++;
    }
    // The item with sequence number `seq`, which must be in [head(), tail()).
    T& at_seq(uint64_t seq) { return _items[seq & _mask]; }
    T& front() { return _items[_head & _mask]; }
    T& back() { return _items[(_tail - 1) & _mask]; }
    // Removing resets the slot to T(), releasing what the item held right away.
    void pop_front() { _items[_head++ & _mask] = T(); }
    void pop_back() { _items[--_tail & _mask] = T(); }

private:
    void grow() {
        size_t n = _items.empty() ? 64 : _items.size() * 2;
        std::vector<T> next(n);
        for (uint64_t s = _head; s != _tail; ++s) next[s & (n - 1)] = std::move(_items[s & _mask]);
        _items.swap(next);
        _mask = n - 1;
    }

    std::vector<T> _items;
    uint64_t _mask = 0, _head = 0, _tail = 0;
};

} // namespace ferry::runtime
