import multiprocessing
import time


def worker(worker_id, semaphore):
    print(f"Process {worker_id} waiting to access the resource...", flush=True)
    with semaphore:  # Acquire the semaphore
        print(f"Process {worker_id} acquired access! 🚀", flush=True)
        time.sleep(2)  # Simulate work
        print(f"Process {worker_id} released access! ✅", flush=True)


if __name__ == "__main__":
    multiprocessing.set_start_method("spawn")
    # Create a multiprocessing semaphore (max 2 processes can access at a time)
    semaphore = multiprocessing.Semaphore(2)

    # Create 3 processes; under spawn the semaphore is passed to each
    processes = []
    for i in range(3):
        p = multiprocessing.Process(target=worker, args=(i, semaphore))
        processes.append(p)
        p.start()

    # Wait for all processes to finish
    for p in processes:
        p.join()

    print("All processes finished execution!")
