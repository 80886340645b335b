import multiprocessing
import time

# Create a multiprocessing semaphore (max 2 processes can access at a time)
semaphore = multiprocessing.Semaphore(2)

def worker(worker_id):
    print(f"Process {worker_id} waiting to access the resource...")
    with semaphore:  # Acquire the semaphore
        print(f"Process {worker_id} acquired access! 🚀")
        time.sleep(2)  # Simulate work
        print(f"Process {worker_id} released access! ✅")

# Create 3 processes
processes = []
for i in range(3):
    p = multiprocessing.Process(target=worker, args=(i,))
    processes.append(p)
    p.start()

# Wait for all processes to finish
for p in processes:
    p.join()

print("All processes finished execution!")
