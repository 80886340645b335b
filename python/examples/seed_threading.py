import threading
import semctl
import time

# Create a semaphore with a max of 2 concurrent accesses
semaphore = semctl.Semaphore(2)

def worker(worker_id):
    print(f"Worker {worker_id} is waiting to access the resource...")
    with semaphore:  # Acquire the semaphore (decrements count)
        print(f"Worker {worker_id} acquired access! 🚀")
        time.sleep(2)  # Simulating work
        print(f"Worker {worker_id} released access! ✅")

# Create 3 worker threads
threads = []
for i in range(3):
    t = threading.Thread(target=worker, args=(i,))
    threads.append(t)
    t.start()

# Wait for all threads to finish
for t in threads:
    t.join()

print("All workers finished execution!")
